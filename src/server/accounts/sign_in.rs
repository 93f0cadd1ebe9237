//! «Войти через …» in the account editor: off to the provider of the account's service (or of its
//! address's domain) with what the form held, never a password; back in the editor
//! (`oauth_callback`) «Создать» and «Сохранить» check and save the account with the sign-in.

use crate::model::accounts::{AccountInput, AccountOutcome};
use crate::model::error::AppError;
use crate::model::oauth::{SignInOffers, SignInProblem, SignInView};
use crate::server::db;
use crate::server::oauth;
use crate::server::oauth_callback::{self as callback, ReturnTo};
use crate::server::session::CurrentUser;
use crate::server::state::AppState;

/// The providers accounts may sign in with: by service, and by the domains of those services.
pub fn offers(state: &AppState) -> SignInOffers {
    let mut offers = SignInOffers::default();
    for service in state.presets.all() {
        let Some(provider) = service.oauth.filter(|p| state.oauth.get(*p).is_some()) else { continue };
        offers.services.push((service.id.clone(), provider));
        offers.domains.extend(service.domains.iter().map(|d| (d.clone(), provider)));
    }
    offers
}

/// Sends the browser to the provider to sign in as the form's address (the caller has checked
/// that the user may change the account the form edits).
pub async fn leave(state: &AppState, user: &CurrentUser, input: &AccountInput) -> Result<AccountOutcome, AppError> {
    let address = input.sign_in_request()?;
    let provider = offers(state)
        .for_account(&input.provider, address.as_str())
        .ok_or(AppError::SignIn(SignInProblem::NotOffered))?;
    let kept = AccountInput {
        intent: String::new(),
        password: String::new(),
        incoming_password: String::new(),
        sign_in: String::new(),
        ..input.clone()
    };
    callback::leave(state.sign_ins(), user, provider, &address, &ReturnTo::Account(Box::new(kept))).await?;
    Ok(AccountOutcome::SigningIn)
}

/// The sign-in a form of `user` carries, as the editor shows it: only their own.
pub async fn view(state: &AppState, user: &CurrentUser, id: i64) -> Result<Option<SignInView>, AppError> {
    let mut tx = state.db.read(user.tenant).await?;
    let row = db::oauth::get(&mut tx, user.tenant, id).await?;
    tx.commit().await?;
    Ok(row.filter(|row| row.user_id == user.id.0).as_ref().and_then(oauth::view_of))
}
