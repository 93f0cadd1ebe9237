//! «Войти через …» on the «Почта» tab: off to the chosen service's provider with what the form
//! held (never a password), and back (`/oauth/callback`): the tab again, its form restored and
//! signed in, or told why not.

use crate::model::crm_email::{KeptMailTab, MailTabInput, MailTabOutcome};
use crate::model::error::AppError;
use crate::model::oauth::SignInProblem;
use crate::model::{EmailAddress, Invalid};
use crate::server::oauth::{self, Callback};
use crate::server::session::{Admin, CurrentUser};
use crate::server::state::AppState;
use crate::server::{progress, web};
use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};

/// The page a sign-in returns to, with what its form held.
#[derive(Serialize, Deserialize)]
enum ReturnTo {
    MailTab(MailTabInput),
}

/// The tab's page.
const MAIL_TAB: &str = "/setup/mail";

/// Sends the browser to the provider of the chosen service to sign in as the form's login.
pub async fn leave(state: &AppState, admin: &Admin, input: &MailTabInput) -> Result<MailTabOutcome, AppError> {
    let (service, login) = input.sign_in_request()?;
    let service = state.presets.get(&service).ok_or_else(|| AppError::field("provider", Invalid::UnknownChoice))?;
    let provider =
        service.oauth.filter(|p| state.oauth.get(*p).is_some()).ok_or(AppError::SignIn(SignInProblem::NotOffered))?;
    let kept = MailTabInput { intent: String::new(), password: String::new(), sign_in: String::new(), ..input.clone() };
    let form = serde_json::to_string(&ReturnTo::MailTab(kept))
        .map_err(|e| crate::server::fail::internal("keeping the form", e))?;
    let url = oauth::start(state.sign_ins(), admin, provider, &login, &form).await?;
    web::redirect_away(&url);
    Ok(MailTabOutcome::SigningIn)
}

/// A usable access token of the tenant's sign-in `id`, which must have signed in as `login`.
pub async fn token_for(
    state: &AppState,
    tenant: crate::model::TenantId,
    id: i64,
    login: &EmailAddress,
) -> Result<secrecy::SecretString, AppError> {
    let (identity, token) = oauth::access_token(state.sign_ins(), tenant, id).await.map_err(|e| match e {
        // An id from the form that is not this tenant's finished sign-in.
        AppError::NotFound => AppError::SignIn(SignInProblem::Expired),
        other => other,
    })?;
    if !identity.eq_ignore_ascii_case(login.as_str()) {
        return Err(AppError::SignIn(SignInProblem::OtherIdentity { asked: login.unicode(), signed_in: identity }));
    }
    Ok(token)
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/oauth/callback", get(callback))
}

/// The provider sends the browser back here. Without a session (signed out meanwhile) it goes to
/// the sign-in page; otherwise to the tab, which shows the outcome.
async fn callback(State(state): State<AppState>, Query(query): Query<Callback>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let user = match web::user_of(&state, &parts).await {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to("/").into_response(),
        Err(_) => return Redirect::to(MAIL_TAB).into_response(),
    };
    match back(&state, &user, &query).await {
        Ok(run) => Redirect::to(&format!("{MAIL_TAB}?run={run}")).into_response(),
        Err(_) => Redirect::to(MAIL_TAB).into_response(),
    }
}

/// Finishes the sign-in and keeps its outcome, with the form it left with, for the tab.
async fn back(state: &AppState, user: &CurrentUser, query: &Callback) -> Result<String, AppError> {
    let (form, outcome) = oauth::finish(state.sign_ins(), user, query).await;
    let typed = form.and_then(|f| serde_json::from_str::<ReturnTo>(&f).ok()).map(|ReturnTo::MailTab(input)| {
        let sign_in = outcome.as_ref().map_or_else(|_| String::new(), |s| s.id.to_string());
        MailTabInput { sign_in, ..input }
    });
    let kept = KeptMailTab { outcome: outcome.map(MailTabOutcome::SignedIn), typed };
    progress::keep_for_next_page(&state.db, user, &kept).await
}
