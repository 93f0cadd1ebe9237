//! «Войти через …» on the «Почта» tab: off to the chosen service's provider with what the form
//! held (never a password); back at the tab (`oauth_callback`) its form is restored, signed in
//! or told why not.

use crate::model::crm_email::{MailTabInput, MailTabOutcome};
use crate::model::error::AppError;
use crate::model::oauth::SignInProblem;
use crate::model::Invalid;
use crate::server::oauth_callback::{self as callback, ReturnTo};
use crate::server::session::Admin;
use crate::server::state::AppState;

/// Sends the browser to the provider of the chosen service to sign in as the form's login.
pub async fn leave(state: &AppState, admin: &Admin, input: &MailTabInput) -> Result<MailTabOutcome, AppError> {
    let (service, login) = input.sign_in_request()?;
    let service = state.presets.get(&service).ok_or_else(|| AppError::field("provider", Invalid::UnknownChoice))?;
    let provider =
        service.oauth.filter(|p| state.oauth.get(*p).is_some()).ok_or(AppError::SignIn(SignInProblem::NotOffered))?;
    let kept = MailTabInput { intent: String::new(), password: String::new(), sign_in: String::new(), ..input.clone() };
    callback::leave(state.sign_ins(), admin, provider, &login, &ReturnTo::MailTab(Box::new(kept))).await?;
    Ok(MailTabOutcome::SigningIn)
}
