//! The way to the provider and back (`/oauth/callback`) for the pages that sign in with it: the
//! «Почта» tab and the account editor. A page leaves with what its form held (never a password)
//! and where to return; back, the sign-in is finished and the page shown again with its form
//! restored, signed in or told why not.

use super::oauth::{finish, start, Callback, SignIns};
use crate::model::accounts::{AccountInput, AccountOutcome, KeptAccount};
use crate::model::crm_email::{KeptMailTab, MailTabInput, MailTabOutcome};
use crate::model::error::AppError;
use crate::model::oauth::{Provider, SignInView};
use crate::model::EmailAddress;
use crate::server::session::CurrentUser;
use crate::server::state::AppState;
use crate::server::{progress, web};
use axum::extract::{Query, Request, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use serde::{Deserialize, Serialize};

/// The page a sign-in returns to, with what its form held.
#[derive(Serialize, Deserialize)]
pub enum ReturnTo {
    MailTab(Box<MailTabInput>),
    /// The account editor: a new account, or the saved one its `id` names.
    Account(Box<AccountInput>),
}

/// The tab's page.
const MAIL_TAB: &str = "/setup/mail";
/// The editor of a new account.
const NEW_ACCOUNT: &str = "/directories/email-accounts/new";

impl ReturnTo {
    fn page(&self) -> String {
        match self {
            ReturnTo::MailTab(_) => MAIL_TAB.to_string(),
            ReturnTo::Account(input) => match input.id.trim().parse::<i64>() {
                Ok(id) if id > 0 => format!("/directories/email-accounts/{id}"),
                _ => NEW_ACCOUNT.to_string(),
            },
        }
    }
}

/// Sends the browser to `provider` to sign in as `login`, to come back to `to`.
pub async fn leave(
    state: SignIns<'_>,
    user: &CurrentUser,
    provider: Provider,
    login: &EmailAddress,
    to: &ReturnTo,
) -> Result<(), AppError> {
    let form = serde_json::to_string(to).map_err(|e| crate::server::fail::internal("keeping the form", e))?;
    let url = start(state, user, provider, login, &form).await?;
    web::redirect_away(&url);
    Ok(())
}

pub fn routes() -> Router<AppState> {
    Router::new().route("/oauth/callback", get(callback))
}

/// The provider sends the browser back here. Without a session (signed out meanwhile) it goes to
/// the sign-in page; otherwise to the page the sign-in started on, which shows the outcome.
async fn callback(State(state): State<AppState>, Query(query): Query<Callback>, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let user = match web::user_of(&state, &parts).await {
        Ok(Some(user)) => user,
        Ok(None) => return Redirect::to("/").into_response(),
        Err(_) => return Redirect::to(fallback(None)).into_response(),
    };
    match back(&state, &user, &query).await {
        Ok((page, run)) => Redirect::to(&format!("{page}?run={run}")).into_response(),
        Err(_) => Redirect::to(fallback(Some(&user))).into_response(),
    }
}

/// Where a return goes whose page is unknown (its sign-in was not found): the tab for an
/// administrator, else the account editor.
fn fallback(user: Option<&CurrentUser>) -> &'static str {
    if user.is_some_and(CurrentUser::is_admin) {
        MAIL_TAB
    } else {
        NEW_ACCOUNT
    }
}

/// Finishes the sign-in and keeps its outcome, with the form it left with, for its page; the
/// page and the run it shows.
async fn back(state: &AppState, user: &CurrentUser, query: &Callback) -> Result<(String, String), AppError> {
    let (form, outcome) = finish(state.sign_ins(), user, query).await;
    let to = form.and_then(|f| serde_json::from_str::<ReturnTo>(&f).ok());
    let page = to.as_ref().map_or_else(|| fallback(Some(user)).to_string(), ReturnTo::page);
    let sign_in = outcome.as_ref().map_or_else(|_| String::new(), |s| s.id.to_string());
    let run = match to {
        Some(ReturnTo::Account(input)) => {
            let kept = kept_account(outcome, AccountInput { sign_in, ..*input });
            progress::keep_for_next_page(&state.db, user, &kept).await?
        }
        Some(ReturnTo::MailTab(input)) => {
            let typed = Some(MailTabInput { sign_in, ..*input });
            let kept = KeptMailTab { outcome: outcome.map(MailTabOutcome::SignedIn), typed };
            progress::keep_for_next_page(&state.db, user, &kept).await?
        }
        // Nothing to restore: the page shows only why.
        None if page == MAIL_TAB => {
            let kept = KeptMailTab { outcome: outcome.map(MailTabOutcome::SignedIn), typed: None };
            progress::keep_for_next_page(&state.db, user, &kept).await?
        }
        None => progress::keep_for_next_page(&state.db, user, &kept_account(outcome, AccountInput::default())).await?,
    };
    Ok((page, run))
}

fn kept_account(outcome: Result<SignInView, AppError>, typed: AccountInput) -> KeptAccount {
    let sign_in = outcome.as_ref().ok().cloned();
    KeptAccount { outcome: outcome.map(AccountOutcome::SignedIn), typed, sign_in }
}
