//! The directory «Учетные записи электронной почты»: list, create (automatically or by hand),
//! edit, «Проверить настройки», delete. Users see shared accounts and their own; administrators
//! create and change shared ones and the system account.

use crate::model::accounts::{AccountInput, AccountListView, AccountOutcome, AccountView, KeptAccount};
use crate::model::check::CheckReport;
use crate::model::error::AppError;
use crate::model::oauth::SignInOffers;
use crate::model::AccountId;
use leptos::prelude::*;

#[server(endpoint = "accounts/list")]
pub async fn list_accounts(
    #[server(default)] q: String,
    #[server(default)] sort: String,
    #[server(default)] page: u32,
) -> Result<AccountListView, AppError> {
    use crate::model::accounts::{search_text, AccountSort};
    use crate::server::{accounts, web};
    let user = web::require_user().await?;
    let search = search_text(&q).map_err(|problem| AppError::field("q", problem))?;
    accounts::list(&web::state()?, &user, search.as_deref(), AccountSort::parse(&sort), page).await
}

#[server(endpoint = "accounts/get")]
pub async fn get_account(id: AccountId) -> Result<AccountView, AppError> {
    use crate::server::{accounts, web};
    let user = web::require_user().await?;
    accounts::get(&web::state()?, &user, id).await
}

/// «Создать» (automatic or manual), «Далее», «Сохранить»: one form, its `intent` says which.
#[server(endpoint = "accounts/submit")]
pub async fn submit_account(
    #[server(flatten)] input: AccountInput,
    #[server(default)] run_id: String,
) -> Result<AccountOutcome, AppError> {
    use crate::server::progress::{FormRun, Progress};
    use crate::server::{accounts, web};
    let user = web::require_user().await?;
    let state = web::state()?;
    let run = FormRun::of(run_id);
    let progress = Progress::start(&state.db, &user, &run.id);
    let outcome = accounts::submit(&state, &user, &input, progress).await;
    match &outcome {
        // Without JavaScript, a saved account leads to the list saying so, as the app navigates.
        Ok(AccountOutcome::Saved { .. }) => web::redirect_plain_form("/directories/email-accounts?saved=1"),
        // The browser is on its way to the provider to sign in.
        Ok(AccountOutcome::SigningIn) => {}
        // Anything else returns a plain form to the editor, which shows it with what was typed.
        _ => run.keep_for_page(&state.db, &user, &KeptAccount::of(outcome.clone(), &input)).await?,
    }
    outcome
}

/// What a plain HTML form of the editor, or a return from the provider, did (`run` from the
/// address it returned to), if it was this user's.
#[server(endpoint = "accounts/kept")]
pub async fn kept_editor(run: String) -> Result<Option<KeptAccount>, AppError> {
    use crate::model::accounts::hidden_id;
    use crate::server::{accounts, progress, web};
    let user = web::require_user().await?;
    let state = web::state()?;
    let Some(mut kept) = progress::kept_outcome::<KeptAccount>(&state.db, &user, &run).await? else { return Ok(None) };
    if let Some(id) = hidden_id(&kept.typed.sign_in)? {
        kept.sign_in = accounts::sign_in::view(&state, &user, id).await?;
    }
    Ok(Some(kept))
}

/// The providers «Войти через …» may sign accounts in with.
#[server(endpoint = "accounts/sign_in_offers")]
pub async fn offered_sign_ins() -> Result<SignInOffers, AppError> {
    use crate::server::{accounts, web};
    web::require_user().await?;
    Ok(accounts::sign_in::offers(&web::state()?))
}

/// «Проверить настройки»: checks a saved account without changing it; the passwords are asked
/// for when none is stored, and forgotten afterwards.
#[server(endpoint = "accounts/check")]
pub async fn check_account(
    id: AccountId,
    #[server(default)] password: String,
    #[server(default)] incoming_password: String,
    #[server(default)] run_id: String,
) -> Result<CheckReport, AppError> {
    use crate::model::accounts::typed_password;
    use crate::server::accounts::{self, Typed};
    use crate::server::{progress::Progress, web};
    let user = web::require_user().await?;
    let state = web::state()?;
    let (password, incoming_password) = (typed_password(&password), typed_password(&incoming_password));
    let typed = Typed { main: password.as_ref(), incoming: incoming_password.as_ref() };
    accounts::check(&state, &user, id, typed, Progress::start(&state.db, &user, &run_id)).await
}

#[server(endpoint = "accounts/delete")]
pub async fn delete_account(id: AccountId) -> Result<(), AppError> {
    use crate::server::{accounts, web};
    let user = web::require_user().await?;
    accounts::delete(&web::state()?, &user, id).await
}
