//! Signing in and out, the first run, the interface language, and setting a password by link.

use crate::model::error::AppError;
use crate::model::session::{AfterSignIn, FirstRunInput, SessionInfo};
use leptos::prelude::*;

#[server(endpoint = "session")]
pub async fn get_session() -> Result<SessionInfo, AppError> {
    use crate::server::{session, web};
    session::info(&web::state()?.db, web::optional_user().await?).await
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<AfterSignIn, AppError> {
    use crate::model::{EmailAddress, Invalid};
    use crate::server::session::{self, SignedIn};
    use crate::server::{password_links, web};
    // Not an address at all: still the same answer as a wrong password, but no look-up.
    let Ok(email) = EmailAddress::parse(&email) else {
        return Err(AppError::field("email", Invalid::EmailFormat));
    };
    if password.is_empty() {
        return Err(AppError::field("password", Invalid::Required));
    }
    let state = web::state()?;
    let attempt = session::Attempt {
        email_key: &email.normalized(),
        password: &password,
        address: web::client_address(&state)?,
        per_address: state.config.sign_in_per_address,
    };
    match session::sign_in(&state.db, &state.hashing, &attempt).await? {
        SignedIn::Session { token, lang } => {
            web::set_session_cookie(&token)?;
            web::set_lang_cookie(lang)?;
            web::redirect_plain_form("/");
            Ok(AfterSignIn::Home)
        }
        SignedIn::MustChoosePassword { link_token } => {
            let path = password_links::path(&link_token);
            web::redirect_plain_form(&path);
            Ok(AfterSignIn::ChoosePassword(path))
        }
    }
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::{session, web};
    if let Some(user) = web::optional_user().await? {
        let state = web::state()?;
        session::end_session(&state.db, &state.sessions, &user).await?;
    }
    web::clear_session_cookie()?;
    web::redirect_plain_form("/sign-in");
    Ok(())
}

/// The first-run form: the organisation and its administrator. Only while no user exists.
#[server(endpoint = "first_run")]
pub async fn first_run(#[server(flatten)] input: FirstRunInput) -> Result<(), AppError> {
    use crate::server::{tenants, web};
    let draft = input.parse()?;
    let state = web::state()?;
    let token = tenants::first_run(&state.db, &state.hashing, &draft, web::request_lang()).await?;
    web::set_session_cookie(&token)?;
    web::redirect_plain_form("/");
    Ok(())
}

/// Switches the interface language and remembers it for the signed-in user.
#[server(endpoint = "set_language")]
pub async fn set_language(lang: String) -> Result<(), AppError> {
    use crate::model::Lang;
    use crate::server::{users, web};
    let lang = Lang::from_code(&lang);
    if let Some(user) = web::optional_user().await? {
        users::set_lang(&web::state()?.db, &user, lang).await?;
    }
    web::set_lang_cookie(lang)?;
    Ok(())
}

/// Whether a set-password link can still be used (the page shows the form or explains).
#[server(endpoint = "password_link_status")]
pub async fn password_link_status(token: String) -> Result<bool, AppError> {
    use crate::server::{password_links, web};
    password_links::is_valid(&web::state()?.db, &token).await
}

/// Sets a password through a one-time link and signs in.
#[server(endpoint = "set_password")]
pub async fn set_password(token: String, password: String, password_again: String) -> Result<(), AppError> {
    use crate::model::NewPassword;
    use crate::server::{users, web};
    let password =
        NewPassword::parse_confirmed(&password, &password_again).map_err(|p| AppError::field("password", p))?;
    let state = web::state()?;
    let session = users::set_password_by_link(&state.db, &state.hashing, &state.sessions, &token, &password).await?;
    web::set_session_cookie(&session)?;
    web::redirect_plain_form("/");
    Ok(())
}
