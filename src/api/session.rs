//! Signing in and out, the first run, the interface language, and setting a password by link.

use crate::error::AppError;
use crate::model::Role;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Who is signed in, as the layout needs it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Me {
    pub name: String,
    pub email: String,
    pub role: Role,
    pub tenant_name: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub me: Option<Me>,
    /// No user exists yet: the first-run page creates the organisation and its administrator.
    pub first_run: bool,
}

#[server(endpoint = "session")]
pub async fn get_session() -> Result<SessionInfo, AppError> {
    use crate::server::{db, web};
    let state = web::state()?;
    let Some(user) = web::optional_user().await? else {
        let first_run = !db::meta::first_run_done(state.db.pool()).await?;
        return Ok(SessionInfo { me: None, first_run });
    };
    let mut tx = state.db.read(user.tenant).await?;
    let tenant_name = db::tenants::name(&mut tx, user.tenant).await?.unwrap_or_default();
    tx.commit().await?;
    Ok(SessionInfo {
        me: Some(Me { name: user.name, email: user.email, role: user.role, tenant_name }),
        first_run: false,
    })
}

/// Where the browser goes after signing in.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum AfterSignIn {
    Home,
    /// Signed in with a one-time password: choose a new one on this page first.
    ChoosePassword(String),
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<AfterSignIn, AppError> {
    use crate::model::{EmailAddress, Invalid};
    use crate::server::{auth, web};
    let state = web::state()?;
    // Not an address at all: still the same answer as a wrong password, but no look-up.
    let Ok(email) = EmailAddress::parse(&email) else {
        return Err(AppError::field("email", Invalid::EmailFormat));
    };
    if password.is_empty() {
        return Err(AppError::field("password", Invalid::Required));
    }
    match auth::sign_in(&state.db, &email.normalized(), &password).await? {
        auth::SignedIn::Session { token, lang } => {
            web::set_session_cookie(&token)?;
            web::set_lang_cookie(lang)?;
            web::redirect_plain_form("/");
            Ok(AfterSignIn::Home)
        }
        auth::SignedIn::MustChoosePassword { link_token } => {
            let path = format!("/set-password?token={link_token}");
            web::redirect_plain_form(&path);
            Ok(AfterSignIn::ChoosePassword(path))
        }
    }
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::{auth, web};
    if let Some(user) = web::optional_user().await? {
        auth::end_session(&web::state()?.db, &user).await?;
    }
    web::clear_session_cookie()?;
    web::redirect_plain_form("/sign-in");
    Ok(())
}

/// The first-run form: the organisation and its administrator. Only while no user exists.
#[server(endpoint = "first_run")]
pub async fn first_run(
    organisation: String,
    name: String,
    email: String,
    password: String,
    password_again: String,
) -> Result<(), AppError> {
    use crate::error::ensure_valid;
    use crate::model::{EmailAddress, FieldErrors, Name, NewPassword};
    use crate::server::{auth, tenancy, web};
    let state = web::state()?;
    let mut errors = FieldErrors::new();
    let organisation = errors.check("organisation", Name::parse(&organisation));
    let name = errors.check("name", Name::parse(&name));
    let email = errors.check("email", EmailAddress::parse(&email));
    let password = errors.check("password", NewPassword::parse_confirmed(&password, &password_again));
    ensure_valid(errors)?;
    let (Some(organisation), Some(name), Some(email), Some(password)) = (organisation, name, email, password) else {
        return Err(AppError::Internal);
    };
    let lang = web::request_lang();
    let admin =
        tenancy::NewMember { email: &email, name: &name, lang, password: Some(&password), temporary_password: false };
    let (tenant, user) = tenancy::create_tenant(&state.db, &organisation, admin, true).await?;
    let token = auth::start_session(&state.db, tenant, user).await?;
    web::set_session_cookie(&token)?;
    web::redirect_plain_form("/");
    Ok(())
}

/// Switches the interface language and remembers it for the signed-in user.
#[server(endpoint = "set_language")]
pub async fn set_language(lang: String) -> Result<(), AppError> {
    use crate::model::Lang;
    use crate::server::{members, web};
    let lang = Lang::from_code(&lang);
    if let Some(user) = web::optional_user().await? {
        members::set_lang(&web::state()?.db, &user, lang).await?;
    }
    web::set_lang_cookie(lang)?;
    Ok(())
}

/// Whether a set-password link can still be used (the page shows the form or explains).
#[server(endpoint = "password_link_status")]
pub async fn password_link_status(token: String) -> Result<bool, AppError> {
    use crate::server::{tenancy, web};
    tenancy::password_link_is_valid(&web::state()?.db, &token).await
}

/// Sets a password through a one-time link and signs in.
#[server(endpoint = "set_password")]
pub async fn set_password(token: String, password: String, password_again: String) -> Result<(), AppError> {
    use crate::model::NewPassword;
    use crate::server::{members, web};
    let password =
        NewPassword::parse_confirmed(&password, &password_again).map_err(|p| AppError::field("password", p))?;
    let session = members::session_after_link(&web::state()?.db, &token, &password).await?;
    web::set_session_cookie(&session)?;
    web::redirect_plain_form("/");
    Ok(())
}
